CREATE INDEX `items_partner_section_idx` ON `items` (`partner_id`,`section`,`gone_since`);--> statement-breakpoint
CREATE INDEX `items_source_gone_idx` ON `items` (`source_pk`,`gone_since`);