"""Settings for the whole suite."""

import signal

import torch

# One intra-op thread: the test models are tiny, and with two threads on a busy 2-core machine
# nn.LSTM's many small per-step ops spin-wait on each other (measured: 130x slower).
torch.set_num_threads(1)

# A suite started in the background of a script inherits SIGINT ignored, and so would every
# process it starts; the tests that press Ctrl-C on their children need it delivered.
signal.signal(signal.SIGINT, signal.default_int_handler)
