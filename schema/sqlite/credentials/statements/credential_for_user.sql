SELECT salt, stored_key, server_key, iterations FROM scram_credentials WHERE user_name = :user_name AND mechanism = :mechanism;
