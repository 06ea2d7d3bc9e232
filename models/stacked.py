"""stacked: nn.LSTM layers, dropout, a linear head on the last step."""

from models.common import LastStepForecaster, make_lstm
from models.config import ModelConfig


class StackedLSTM(LastStepForecaster):
    """One or more nn.LSTM layers; one layer is the classic single-LSTM forecaster."""

    def __init__(self, config: ModelConfig) -> None:
        super().__init__(make_lstm(config, config.n_inputs), config)
