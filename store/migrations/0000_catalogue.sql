CREATE TABLE `audit_log` (
	`pk` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`at` text NOT NULL,
	`actor` text NOT NULL,
	`action` text NOT NULL,
	`target` text,
	`detail` text
);
--> statement-breakpoint
CREATE INDEX `audit_log_at_idx` ON `audit_log` (`at`);--> statement-breakpoint
CREATE TABLE `clicks_daily` (
	`day` text NOT NULL,
	`target_id` text NOT NULL,
	`count` integer DEFAULT 0 NOT NULL,
	PRIMARY KEY(`day`, `target_id`)
);
--> statement-breakpoint
CREATE TABLE `freshness_daily` (
	`day` text PRIMARY KEY NOT NULL,
	`partners` integer NOT NULL,
	`contributing` integer NOT NULL,
	`committed` integer NOT NULL,
	`up_to_date` integer NOT NULL,
	`items` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `item_texts` (
	`item_pk` integer PRIMARY KEY NOT NULL,
	`text` text NOT NULL,
	FOREIGN KEY (`item_pk`) REFERENCES `items`(`pk`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `item_versions` (
	`pk` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`item_pk` integer NOT NULL,
	`content_hash` text NOT NULL,
	`seen_at` text NOT NULL,
	`event` text NOT NULL,
	`snapshot` text NOT NULL,
	`changed_fields` text DEFAULT '[]' NOT NULL,
	`run_pk` integer,
	FOREIGN KEY (`item_pk`) REFERENCES `items`(`pk`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `item_versions_item_idx` ON `item_versions` (`item_pk`,`seen_at`);--> statement-breakpoint
CREATE TABLE `items` (
	`pk` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`id` text NOT NULL,
	`source_pk` integer NOT NULL,
	`partner_id` text NOT NULL,
	`identity` text NOT NULL,
	`guid` text,
	`url` text NOT NULL,
	`title` text NOT NULL,
	`summary` text DEFAULT '' NOT NULL,
	`language` text,
	`section` text NOT NULL,
	`doc_type` text,
	`published_at` text,
	`sort_date` text NOT NULL,
	`year` integer NOT NULL,
	`first_seen_at` text NOT NULL,
	`last_seen_at` text,
	`last_changed_at` text NOT NULL,
	`fetched_at` text NOT NULL,
	`content_hash` text NOT NULL,
	`missing_count` integer DEFAULT 0 NOT NULL,
	`gone_since` text,
	`off_listing_since` text,
	`document_url` text,
	`document_etag` text,
	`document_last_modified` text,
	`document_hash` text,
	`pages` integer,
	`scanned` integer DEFAULT false NOT NULL,
	`text_chars` integer DEFAULT 0 NOT NULL,
	`author` text,
	FOREIGN KEY (`source_pk`) REFERENCES `sources`(`pk`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`partner_id`) REFERENCES `partners`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `items_id_uq` ON `items` (`id`);--> statement-breakpoint
CREATE UNIQUE INDEX `items_source_identity_uq` ON `items` (`source_pk`,`identity`);--> statement-breakpoint
CREATE INDEX `items_section_sort_idx` ON `items` (`section`,`sort_date`);--> statement-breakpoint
CREATE INDEX `items_partner_sort_idx` ON `items` (`partner_id`,`sort_date`);--> statement-breakpoint
CREATE INDEX `items_sort_idx` ON `items` (`sort_date`);--> statement-breakpoint
CREATE TABLE `meta` (
	`key` text PRIMARY KEY NOT NULL,
	`value` text NOT NULL,
	`updated_at` text DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) NOT NULL
);
--> statement-breakpoint
CREATE TABLE `partners` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`kind` text NOT NULL,
	`website` text,
	`description` text,
	`commitment_days` integer,
	`in_config` integer DEFAULT true NOT NULL,
	`updated_at` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `run_sources` (
	`pk` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`run_pk` integer NOT NULL,
	`source_pk` integer NOT NULL,
	`status` text NOT NULL,
	`started_at` text NOT NULL,
	`duration_ms` integer NOT NULL,
	`items_found` integer DEFAULT 0 NOT NULL,
	`items_new` integer DEFAULT 0 NOT NULL,
	`items_changed` integer DEFAULT 0 NOT NULL,
	`items_gone` integer DEFAULT 0 NOT NULL,
	`items_dropped` integer DEFAULT 0 NOT NULL,
	`http_status` integer,
	`error_code` text,
	`error_message` text,
	`warnings` text DEFAULT '[]' NOT NULL,
	FOREIGN KEY (`run_pk`) REFERENCES `runs`(`pk`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`source_pk`) REFERENCES `sources`(`pk`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `run_sources_run_idx` ON `run_sources` (`run_pk`);--> statement-breakpoint
CREATE INDEX `run_sources_source_idx` ON `run_sources` (`source_pk`,`started_at`);--> statement-breakpoint
CREATE TABLE `runs` (
	`pk` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`started_at` text NOT NULL,
	`finished_at` text,
	`status` text NOT NULL,
	`trigger` text NOT NULL,
	`pid` integer NOT NULL,
	`host` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `runs_status_idx` ON `runs` (`status`);--> statement-breakpoint
CREATE TABLE `sessions` (
	`token_hash` text PRIMARY KEY NOT NULL,
	`user_pk` integer NOT NULL,
	`csrf_secret` text NOT NULL,
	`created_at` text NOT NULL,
	`expires_at` text NOT NULL,
	FOREIGN KEY (`user_pk`) REFERENCES `users`(`pk`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `sessions_expires_idx` ON `sessions` (`expires_at`);--> statement-breakpoint
CREATE TABLE `sources` (
	`pk` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`partner_id` text NOT NULL,
	`source_id` text NOT NULL,
	`type` text NOT NULL,
	`url` text NOT NULL,
	`section` text NOT NULL,
	`doc_type` text,
	`language` text,
	`schedule` text,
	`config` text NOT NULL,
	`config_hash` text NOT NULL,
	`enabled` integer DEFAULT true NOT NULL,
	`disabled_reason` text,
	`etag` text,
	`last_modified` text,
	`body_hash` text,
	`last_attempt_at` text,
	`last_success_at` text,
	`last_change_at` text,
	`consecutive_failures` integer DEFAULT 0 NOT NULL,
	`next_attempt_at` text,
	`last_status` text,
	`last_http_status` integer,
	`last_error_code` text,
	`last_error_message` text,
	`lease_owner` text,
	`lease_until` text,
	`created_at` text NOT NULL,
	FOREIGN KEY (`partner_id`) REFERENCES `partners`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `sources_partner_source_uq` ON `sources` (`partner_id`,`source_id`);--> statement-breakpoint
CREATE TABLE `suggestions` (
	`pk` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`created_at` text NOT NULL,
	`language` text NOT NULL,
	`page_ref` text,
	`topic` text,
	`message` text NOT NULL,
	`name` text,
	`email` text,
	`status` text DEFAULT 'new' NOT NULL,
	`answer` text,
	`answered_at` text,
	`answered_by` text,
	`published` integer DEFAULT false NOT NULL,
	`emailed_at` text,
	`contact_purged_at` text,
	`updated_at` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `suggestions_status_idx` ON `suggestions` (`status`,`created_at`);--> statement-breakpoint
CREATE INDEX `suggestions_published_idx` ON `suggestions` (`published`,`answered_at`);--> statement-breakpoint
CREATE TABLE `users` (
	`pk` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`name` text NOT NULL,
	`role` text NOT NULL,
	`password_hash` text NOT NULL,
	`created_at` text NOT NULL,
	`failed_logins` integer DEFAULT 0 NOT NULL,
	`locked_until` text,
	`last_login_at` text
);
--> statement-breakpoint
CREATE UNIQUE INDEX `users_name_uq` ON `users` (`name`);--> statement-breakpoint
CREATE TABLE `visits_daily` (
	`day` text NOT NULL,
	`path_group` text NOT NULL,
	`language` text NOT NULL,
	`count` integer DEFAULT 0 NOT NULL,
	PRIMARY KEY(`day`, `path_group`, `language`)
);
