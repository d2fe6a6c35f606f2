"""The collective roof: share register and allocation of its yield."""
