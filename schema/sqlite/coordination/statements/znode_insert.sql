INSERT INTO znodes (path, parent, data, czxid, mzxid, pzxid, ctime_ms, mtime_ms, ephemeral_owner)
VALUES (:path, :parent, :data, :zxid, :zxid, :zxid, :now_ms, :now_ms, :ephemeral_owner);
