-- A child was created or deleted under :path: bump the child version and the child zxid.
UPDATE znodes SET cversion = cversion + 1, pzxid = :zxid WHERE path = :path;
