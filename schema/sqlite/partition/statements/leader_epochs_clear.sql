DELETE FROM leader_epochs
