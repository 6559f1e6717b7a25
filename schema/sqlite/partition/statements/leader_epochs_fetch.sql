SELECT epoch, start_offset FROM leader_epochs ORDER BY epoch
