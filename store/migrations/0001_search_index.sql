-- Full-text search over items (issue 4: SQLite FTS5 measured 30x faster than lunr at 50,000 items).
-- The text is analysed in JavaScript before it is indexed (harvester/analyzer.ts: Arabic and
-- French normalisation and stemming through lunr-languages), because FTS5 tokenizers cannot be
-- registered through better-sqlite3; unicode61 then only splits the analysed terms on spaces.
-- Contentless: the original text lives in items and item_texts; rowid = items.pk. The filter and
-- facet columns are kept here too (UNINDEXED, stored with contentless_unindexed) so a search
-- filters, ranks, pages and counts facets without reading the items table.
-- Rows are written by store/items.ts in the same transaction as the item they index; items marked
-- gone are removed from it.
CREATE VIRTUAL TABLE `item_search` USING fts5(
	title,
	body,
	section UNINDEXED,
	doc_type UNINDEXED,
	partner UNINDEXED,
	language UNINDEXED,
	year UNINDEXED,
	sort_date UNINDEXED,
	content = '',
	contentless_delete = 1,
	contentless_unindexed = 1,
	tokenize = 'unicode61 remove_diacritics 0'
);
--> statement-breakpoint
-- ORDER BY rank: title matches weigh five times body matches.
INSERT INTO `item_search` (`item_search`, `rank`) VALUES ('rank', 'bm25(5.0, 1.0)');
