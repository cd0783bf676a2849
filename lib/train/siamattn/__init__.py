"""SiamAttn training: anchor and RoI targets, augmentation, the pair sampler, the actor, losses and optimizer."""
