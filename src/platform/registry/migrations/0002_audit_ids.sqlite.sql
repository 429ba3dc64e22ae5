-- SQLite: audit ids are assigned under the database's single writer lock (MAX + 1).
SELECT 1;
