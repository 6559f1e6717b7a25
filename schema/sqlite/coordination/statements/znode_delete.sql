DELETE FROM znodes WHERE path = :path;
