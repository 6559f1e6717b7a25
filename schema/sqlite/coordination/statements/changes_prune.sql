-- Keep the feed short: processes that tail it are at most seconds behind.
DELETE FROM changes WHERE seq <= (SELECT max(seq) FROM changes) - :keep;
