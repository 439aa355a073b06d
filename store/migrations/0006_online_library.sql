-- The online library (issue 17): course facts of training items, and OAI-PMH datestamps.
CREATE TABLE `item_courses` (
	`item_pk` integer PRIMARY KEY NOT NULL,
	`starts_on` text,
	`ends_on` text,
	`format` text,
	`audience` text,
	`language` text,
	`registration_url` text,
	`organiser` text,
	`location` text,
	FOREIGN KEY (`item_pk`) REFERENCES `items`(`pk`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `item_courses_starts_idx` ON `item_courses` (`starts_on`);--> statement-breakpoint
CREATE TABLE `item_stamps` (
	`item_pk` integer PRIMARY KEY NOT NULL,
	`datestamp` text NOT NULL,
	FOREIGN KEY (`item_pk`) REFERENCES `items`(`pk`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `item_stamps_datestamp_idx` ON `item_stamps` (`datestamp`,`item_pk`);--> statement-breakpoint
-- OAI-PMH datestamps: every write path of `items` (harvests, and any later one) stamps what it
-- changes with the time of the write; store/index.ts moves a harvest's stamps to the end of its
-- transaction. A change is what a harvester must see again: new, content changed, gone or back.
CREATE TRIGGER `item_stamps_insert` AFTER INSERT ON `items` BEGIN
	INSERT OR REPLACE INTO `item_stamps` (`item_pk`, `datestamp`) VALUES (new.`pk`, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));
END;
--> statement-breakpoint
CREATE TRIGGER `item_stamps_update` AFTER UPDATE OF `content_hash`, `gone_since`, `last_changed_at` ON `items`
WHEN new.`content_hash` IS NOT old.`content_hash` OR new.`gone_since` IS NOT old.`gone_since` OR new.`last_changed_at` IS NOT old.`last_changed_at`
BEGIN
	INSERT OR REPLACE INTO `item_stamps` (`item_pk`, `datestamp`) VALUES (new.`pk`, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));
END;
--> statement-breakpoint
-- Items harvested before this migration: their last change, or the day they were marked gone.
INSERT INTO `item_stamps` (`item_pk`, `datestamp`) SELECT `pk`, coalesce(`gone_since`, `last_changed_at`) FROM `items`;
