DELETE FROM scram_credentials WHERE user_name = :user_name AND mechanism = :mechanism;
