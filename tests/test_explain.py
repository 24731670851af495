"""Occlusion contributions, checked against a model whose answer is known in closed form."""
import numpy as np
import pytest

from lstm_tutorial.lab import explain
from lstm_tutorial.io.errors import UsageError


def _sum_model_predict(weights):
    """P = sigmoid(sum of per-id weights); id 0 (padding) weighs nothing."""
    w = np.asarray(weights, dtype="float64")

    def predict(batch):
        return 1 / (1 + np.exp(-w[np.asarray(batch)].sum(axis=1)))
    return predict


def test_remove_mode_matches_the_closed_form():
    w = np.array([0.0, 0.0, 2.0, -3.0, 0.5])  # ids 2 "good", 3 "not", 4 "movie"
    ids = [3, 2, 4]
    p_full, p_without, contrib = explain.occlusion_ids(_sum_model_predict(w), ids)
    sig = lambda z: 1 / (1 + np.exp(-z))  # noqa: E731
    total = w[ids].sum()
    np.testing.assert_allclose(p_full, sig(total))
    np.testing.assert_allclose(contrib, [sig(total) - sig(total - w[i]) for i in ids])
    assert contrib[0] < 0 < contrib[1]  # "not" pulls down, "good" pushes up


def test_unknown_mode_keeps_positions_and_uses_the_unknown_id():
    w = np.array([0.0, 1.0, 2.0, -3.0])  # the unknown id 1 weighs 1
    p_full, _, contrib = explain.occlusion_ids(_sum_model_predict(w), [2, 3], mode="unknown")
    sig = lambda z: 1 / (1 + np.exp(-z))  # noqa: E731
    np.testing.assert_allclose(contrib, [sig(-1) - sig(1 - 3), sig(-1) - sig(2 + 1)])


def test_a_keras_recurrent_model_gets_the_same_answer_as_explicit_deletion():
    keras = pytest.importorskip("keras")
    from lstm_tutorial import models, training

    keras.utils.set_random_seed(0)
    model = models.build_classifier("lstm", vocab_size=20, embedding_dim=4, units=3, dropout=0.0)
    ids = [5, 6, 7, 8]
    p_full, _, contrib = explain.occlusion_ids(lambda b: training.predict_proba(model, b), ids)
    for i in range(len(ids)):
        rest = np.array([ids[:i] + ids[i + 1:]], dtype="int32")
        p_rest = float(np.asarray(model(rest, training=False))[0, 0])
        assert contrib[i] == pytest.approx(p_full - p_rest, abs=1e-5)


def test_bad_input_is_refused():
    predict = _sum_model_predict([0, 0, 1])
    with pytest.raises(UsageError, match="mode"):
        explain.occlusion_ids(predict, [2], mode="zero")
    with pytest.raises(UsageError, match="padding"):
        explain.occlusion_ids(predict, [2, 0])
    with pytest.raises(UsageError, match="at least one"):
        explain.occlusion_ids(predict, [])


def test_most_confident_mistakes():
    y = np.array([0, 0, 1, 1, 1])
    p = np.array([0.1, 0.97, 0.8, 0.4, 0.02])
    mistakes = explain.most_confident_mistakes(y, p, k=2)
    assert [i for i, _ in mistakes] == [4, 1]  # 0.02 for a positive is the worst, then 0.97
    assert mistakes[0][1] == pytest.approx(0.02)
