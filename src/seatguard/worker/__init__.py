"""The worker: takes messages off the queue and fulfils them (long-poll runner or AWS Lambda)."""
