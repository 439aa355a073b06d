CREATE TABLE `deposit_revisions` (
	`pk` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`deposit_pk` integer NOT NULL,
	`n` integer NOT NULL,
	`submitted_by` text NOT NULL,
	`submitted_at` text NOT NULL,
	`titles` text NOT NULL,
	`description` text DEFAULT '' NOT NULL,
	`section` text NOT NULL,
	`doc_type` text NOT NULL,
	`language` text NOT NULL,
	`document_date` text NOT NULL,
	`kind` text NOT NULL,
	`file_hash` text,
	`file_name` text,
	`file_size` integer,
	`link_url` text,
	`text` text DEFAULT '' NOT NULL,
	`pages` integer,
	`scanned` integer DEFAULT false NOT NULL,
	`text_note` text,
	`status` text NOT NULL,
	`reviewed_by` text,
	`reviewed_at` text,
	`reason` text,
	`live_at` text,
	FOREIGN KEY (`deposit_pk`) REFERENCES `deposits`(`pk`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `deposit_revisions_deposit_n_uq` ON `deposit_revisions` (`deposit_pk`,`n`);--> statement-breakpoint
CREATE INDEX `deposit_revisions_status_idx` ON `deposit_revisions` (`status`,`submitted_at`);--> statement-breakpoint
CREATE INDEX `deposit_revisions_file_idx` ON `deposit_revisions` (`file_hash`);--> statement-breakpoint
CREATE TABLE `deposits` (
	`pk` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`id` text NOT NULL,
	`partner_id` text NOT NULL,
	`item_pk` integer,
	`created_by` text NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	`withdrawn_at` text,
	`withdrawn_by` text,
	FOREIGN KEY (`item_pk`) REFERENCES `items`(`pk`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `deposits_id_uq` ON `deposits` (`id`);--> statement-breakpoint
CREATE INDEX `deposits_partner_idx` ON `deposits` (`partner_id`,`updated_at`);--> statement-breakpoint
CREATE INDEX `deposits_item_idx` ON `deposits` (`item_pk`);--> statement-breakpoint
CREATE TABLE `reminders` (
	`pk` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`kind` text NOT NULL,
	`partner_id` text,
	`created_at` text NOT NULL,
	`period` text,
	`status` text NOT NULL,
	`reasons` text NOT NULL,
	`messages` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `reminders_kind_partner_idx` ON `reminders` (`kind`,`partner_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `reminders_created_idx` ON `reminders` (`created_at`);--> statement-breakpoint
ALTER TABLE `users` ADD `partner_id` text;