-- SQLite: system_events.id is INTEGER PRIMARY KEY (the rowid) and numbers itself already.
SELECT 1;
