"""The bilstm head reads the backward direction after it has run the whole sequence."""

import torch

from models import BiLSTM, ModelConfig

HIDDEN = 8


def make_inputs() -> tuple[BiLSTM, torch.Tensor]:
    torch.manual_seed(0)
    model = BiLSTM(
        ModelConfig(
            n_inputs=1, n_targets=1, horizon=1, hidden_size=HIDDEN, num_layers=1, dropout=0.0
        )
    ).eval()
    return model, torch.randn(1, 10, 1)


def perturbed(x: torch.Tensor, steps: slice) -> torch.Tensor:
    x = x.clone()
    x[:, steps] += 1.0
    return x


def test_backward_half_of_the_head_sees_the_first_and_last_steps() -> None:
    model, x = make_inputs()
    with torch.no_grad():
        model.head.linear.weight[:, :HIDDEN] = 0.0  # only the backward direction reaches the output
        base = model(x)
        assert not torch.allclose(model(perturbed(x, slice(0, 1))), base)  # its last input
        assert not torch.allclose(model(perturbed(x, slice(-1, None))), base)  # its first input


def test_naive_last_step_gives_the_backward_direction_one_input() -> None:
    model, x = make_inputs()
    with torch.no_grad():
        naive = model.lstm(x)[0][:, -1, HIDDEN:]  # backward half at the last position
        # Changing every step but the last leaves it exactly as it was ...
        assert torch.equal(model.lstm(perturbed(x, slice(0, -1)))[0][:, -1, HIDDEN:], naive)
        assert not torch.equal(model.lstm(perturbed(x, slice(-1, None)))[0][:, -1, HIDDEN:], naive)
        # ... while the half the model's head reads moves with them.
        used = model.lstm(x)[0][:, 0, HIDDEN:]
        assert not torch.allclose(model.lstm(perturbed(x, slice(0, -1)))[0][:, 0, HIDDEN:], used)
