"""CraftLSTM, written from the gate equations, computes what nn.LSTM computes."""

import pytest
import torch
from torch import nn

from models import CraftLSTM


@pytest.mark.parametrize("num_layers", [1, 3])
@pytest.mark.parametrize("with_state", [False, True])
def test_craft_matches_nn_lstm(num_layers: int, with_state: bool) -> None:
    torch.manual_seed(0)
    reference = nn.LSTM(3, 5, num_layers=num_layers, batch_first=True).eval()
    craft = CraftLSTM(3, 5, num_layers=num_layers).eval()
    craft.load_state_dict(reference.state_dict())  # strict: names and shapes must agree
    x = torch.randn(4, 7, 3)
    hx = (torch.randn(num_layers, 4, 5), torch.randn(num_layers, 4, 5)) if with_state else None
    with torch.no_grad():
        expected, (h_expected, c_expected) = reference(x, hx)
        out, (h_n, c_n) = craft(x, hx)
    torch.testing.assert_close(out, expected, atol=1e-5, rtol=0)
    torch.testing.assert_close(h_n, h_expected, atol=1e-5, rtol=0)
    torch.testing.assert_close(c_n, c_expected, atol=1e-5, rtol=0)


def test_craft_drops_out_between_layers_only_in_training() -> None:
    torch.manual_seed(0)
    craft = CraftLSTM(2, 6, num_layers=2, dropout=0.5)
    x = torch.randn(4, 7, 2)
    with torch.no_grad():
        craft.eval()
        assert torch.equal(craft(x)[0], craft(x)[0])
        craft.train()
        assert not torch.equal(craft(x)[0], craft(x)[0])
