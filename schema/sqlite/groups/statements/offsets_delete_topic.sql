-- A deleted topic takes its committed positions with it.
DELETE FROM committed_offsets WHERE topic = :topic;
