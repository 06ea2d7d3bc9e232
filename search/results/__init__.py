"""What a finished study tells its users: the best model's honest test score beside baselines."""
