-- Full-text search over items (issue 4: SQLite FTS5 measured 30x faster than lunr at 50,000 items).
-- The text is analysed in JavaScript before it is indexed (harvester/analyzer.ts: Arabic and
-- French normalisation and stemming through lunr-languages), because FTS5 tokenizers cannot be
-- registered through better-sqlite3; unicode61 then only splits the analysed terms on spaces.
-- Contentless: the original text lives in items and item_texts; rowid = items.pk.
-- Rows are written by store/items.ts in the same transaction as the item they index.
CREATE VIRTUAL TABLE `item_search` USING fts5(
	title,
	body,
	content = '',
	contentless_delete = 1,
	tokenize = 'unicode61 remove_diacritics 0'
);
