UPDATE znodes SET data = :data, mzxid = :zxid, mtime_ms = :now_ms, version = version + 1
WHERE path = :path;
