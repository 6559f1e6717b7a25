-- Catches the key index up over offsets [?1, ?2).
INSERT INTO record_keys ("offset", key) SELECT "offset", key FROM records WHERE "offset" >= ?1 AND "offset" < ?2 AND key IS NOT NULL
