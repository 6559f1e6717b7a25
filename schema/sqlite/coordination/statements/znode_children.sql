SELECT path FROM znodes WHERE parent = :path ORDER BY path;
