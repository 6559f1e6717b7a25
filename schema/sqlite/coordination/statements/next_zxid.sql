UPDATE zxid_counter SET last_zxid = last_zxid + 1 WHERE only_row = 1 RETURNING last_zxid;
