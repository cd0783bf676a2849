"""Developer tools: speed, profiling, data-loader speed, precision check, ablation table, tiny training,
attention maps. The user commands are one folder up, in ``tracking/``."""
