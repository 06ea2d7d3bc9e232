"""Training one configuration: the hyperparameter table, the PyTorch loop, the Optuna objective
and the model file it leaves."""
