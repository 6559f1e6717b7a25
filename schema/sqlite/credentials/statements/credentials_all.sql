SELECT user_name, mechanism, iterations FROM scram_credentials ORDER BY user_name, mechanism;
