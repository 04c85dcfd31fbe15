"""For operations staff: the live event stream and the lag of every service."""
