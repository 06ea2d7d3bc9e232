"""Settings for the whole suite."""

import torch

# One intra-op thread: the test models are tiny, and with two threads on a busy 2-core machine
# nn.LSTM's many small per-step ops spin-wait on each other (measured: 130x slower).
torch.set_num_threads(1)
