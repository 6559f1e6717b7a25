SELECT seq, path, kind FROM changes WHERE seq > :after_seq ORDER BY seq LIMIT :limit;
