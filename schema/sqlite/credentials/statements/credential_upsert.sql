INSERT INTO scram_credentials (user_name, mechanism, salt, stored_key, server_key, iterations)
VALUES (:user_name, :mechanism, :salt, :stored_key, :server_key, :iterations)
ON CONFLICT (user_name, mechanism) DO UPDATE SET
    salt = excluded.salt,
    stored_key = excluded.stored_key,
    server_key = excluded.server_key,
    iterations = excluded.iterations;
