SELECT path FROM znodes WHERE ephemeral_owner = :id ORDER BY path;
