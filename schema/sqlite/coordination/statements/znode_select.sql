SELECT data, czxid, mzxid, pzxid, ctime_ms, mtime_ms, version, cversion, ephemeral_owner,
       (SELECT count(*) FROM znodes AS child WHERE child.parent = znodes.path) AS num_children
FROM znodes
WHERE path = :path;
