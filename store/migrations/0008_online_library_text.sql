CREATE TABLE `ocr_jobs` (
	`file_hash` text PRIMARY KEY NOT NULL,
	`status` text NOT NULL,
	`store` text NOT NULL,
	`language` text,
	`pages` text NOT NULL,
	`queued_at` text NOT NULL,
	`started_at` text,
	`finished_at` text,
	`owner` text,
	`attempts` integer DEFAULT 0 NOT NULL,
	`pages_read` integer DEFAULT 0 NOT NULL,
	`error_code` text,
	`error_message` text,
	`duration_ms` integer
);
--> statement-breakpoint
CREATE INDEX `ocr_jobs_status_idx` ON `ocr_jobs` (`status`,`queued_at`);--> statement-breakpoint
CREATE TABLE `ocr_pages` (
	`file_hash` text NOT NULL,
	`page` integer NOT NULL,
	`text` text NOT NULL,
	`language` text,
	PRIMARY KEY(`file_hash`, `page`)
);
--> statement-breakpoint
ALTER TABLE `deposit_revisions` ADD `page_map` text;--> statement-breakpoint
ALTER TABLE `deposit_revisions` ADD `ocr_pages` text;--> statement-breakpoint
ALTER TABLE `item_texts` ADD `page_map` text;--> statement-breakpoint
ALTER TABLE `items` ADD `document_file_hash` text;--> statement-breakpoint
ALTER TABLE `items` ADD `text_pages` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `items` ADD `text_source` text;--> statement-breakpoint
ALTER TABLE `items` ADD `text_stamp` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `items` ADD `text_changed_at` text;--> statement-breakpoint
CREATE INDEX `items_document_file_idx` ON `items` (`document_file_hash`);--> statement-breakpoint
-- Texts read before this migration have no page map: each counts as one page of text until its
-- document is read again (the next harvest of its source re-reads documents without one).
UPDATE `items` SET `text_pages` = 1, `text_source` = 'layer' WHERE `text_chars` > 0;
