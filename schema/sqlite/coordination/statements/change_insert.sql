INSERT INTO changes (zxid, path, kind) VALUES (:zxid, :path, :kind);
