CREATE TABLE `dataset_observations` (
	`pk` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`series_pk` integer NOT NULL,
	`period` text NOT NULL,
	`dimensions` text NOT NULL,
	`value` real,
	`version` integer NOT NULL,
	`event` text NOT NULL,
	`recorded_at` text NOT NULL,
	`superseded_at` text,
	`file_url` text NOT NULL,
	`fetched_at` text NOT NULL,
	`content_hash` text NOT NULL,
	`run_pk` integer,
	FOREIGN KEY (`series_pk`) REFERENCES `dataset_series`(`pk`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `dataset_obs_current_uq` ON `dataset_observations` (`series_pk`,`period`,`dimensions`) WHERE superseded_at IS NULL;--> statement-breakpoint
CREATE INDEX `dataset_obs_series_recorded_idx` ON `dataset_observations` (`series_pk`,`recorded_at`);--> statement-breakpoint
CREATE TABLE `dataset_series` (
	`pk` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`id` text NOT NULL,
	`source_pk` integer NOT NULL,
	`partner_id` text NOT NULL,
	`series_key` text NOT NULL,
	`name` text NOT NULL,
	`unit` text,
	`definition` text,
	`notes` text,
	`theme` text,
	`dimensions` text DEFAULT '[]' NOT NULL,
	`dimension_values` text DEFAULT '{}' NOT NULL,
	`display` text DEFAULT '{}' NOT NULL,
	`period_kind` text NOT NULL,
	`percent` integer DEFAULT false NOT NULL,
	`headline` text DEFAULT '[]' NOT NULL,
	`observation_count` integer DEFAULT 0 NOT NULL,
	`file_url` text NOT NULL,
	`fetched_at` text NOT NULL,
	`content_hash` text NOT NULL,
	`format` text NOT NULL,
	`first_seen_at` text NOT NULL,
	`updated_at` text NOT NULL,
	`active` integer DEFAULT true NOT NULL,
	FOREIGN KEY (`source_pk`) REFERENCES `sources`(`pk`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`partner_id`) REFERENCES `partners`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `dataset_series_id_uq` ON `dataset_series` (`id`);--> statement-breakpoint
CREATE UNIQUE INDEX `dataset_series_source_key_uq` ON `dataset_series` (`source_pk`,`series_key`);--> statement-breakpoint
CREATE INDEX `dataset_series_partner_idx` ON `dataset_series` (`partner_id`);--> statement-breakpoint
-- Search over statistical series (issue 16): their names, definitions, units, themes and
-- dimension values in every language, analysed in JavaScript like the items' text
-- (harvester/analyzer.ts); rowid = dataset_series.pk. Small (one row per series), kept apart from
-- the items' index. Written by store/datasets.ts in the harvest's transaction.
CREATE VIRTUAL TABLE `series_search` USING fts5(
	name,
	body,
	tokenize = 'unicode61 remove_diacritics 0'
);
--> statement-breakpoint
-- Names weigh five times the rest, as items' titles do.
INSERT INTO `series_search` (`series_search`, `rank`) VALUES ('rank', 'bm25(5.0, 1.0)');
