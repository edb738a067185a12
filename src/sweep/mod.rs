//! Parameter sweeps, seed ensembles, Morris screening and sharding (issue in progress).
