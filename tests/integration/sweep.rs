//! Sweeps, ensembles, sensitivity and shards.
