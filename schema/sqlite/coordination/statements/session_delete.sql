DELETE FROM sessions WHERE id = :id;
