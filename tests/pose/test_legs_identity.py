"""Leg identity when the model's labels carry none (side view, running; docs/leg-labels.md).

At speed BlazePose can call the *front* foot "left" in almost every frame: the legs'
alternating order between crossings is still found, but not which leg is the left.
:class:`CrossingOrderLabeller` then ties the knees' order to near/far by the thighs'
image length (:class:`NearLegBySize`) and the feet to the knees by the shank.
"""

from __future__ import annotations

import numpy as np

from gaitvision.landmarks import ANKLE, HEEL, HIP, KNEE, TOE
from gaitvision.pose.legs import CrossingOrderLabeller, NearLegBySize
from tests.synthetic_runner import make_track

_FOOT = {s: [ANKLE[s], HEEL[s], TOE[s]] for s in ("left", "right")}
_LEG = {s: [KNEE[s], *_FOOT[s]] for s in ("left", "right")}


def _fast_track(seed: int, direction: str = "left", near_scale: float = 1.045):
    """A fast side-view run whose near leg is drawn ``near_scale`` times larger about the
    hips (the synthetic runner's side view is orthographic; a pinhole camera at 4 m
    draws the near thigh about 4 % longer)."""
    track = make_track(fps=60, duration_s=4.0, noise_px=1.0, seed=seed, cadence_spm=180.0,
                       speed_kmh=12.0, duty_factor=0.33, hip_height_m=0.86,
                       direction=direction)[0]
    near = direction  # the camera films the side the runner faces (not mirrored)
    hip = np.nanmean(track.xy[:, [HIP["left"], HIP["right"]]], axis=1)
    for j in _LEG[near]:
        track.xy[:, j] = hip + near_scale * (track.xy[:, j] - hip)
    return track


def _front_is_left(track, forward: float):
    """The h6 failure: every unit's labels by image order, the front point called "left"."""
    bad = track.copy()
    for pl, pr in (([KNEE["left"]], [KNEE["right"]]), (_FOOT["left"], _FOOT["right"])):
        ahead = forward * (bad.xy[:, pr, 0].mean(axis=1) - bad.xy[:, pl, 0].mean(axis=1)) > 0
        sub = bad.xy[ahead]
        left, right = sub[:, pl].copy(), sub[:, pr].copy()
        sub[:, pl], sub[:, pr] = right, left
        bad.xy[ahead] = sub
    return bad, ahead


def _share_right(fixed, truth, far_apart):
    """Share of the well separated frames whose knee and foot labels are the true ones."""
    ok = np.ones(len(truth.xy), bool)
    for side in ("left", "right"):
        ok &= np.all(np.linalg.norm(fixed.xy[:, _LEG[side]] - truth.xy[:, _LEG[side]],
                                    axis=-1) < 1e-6, axis=1)
    return ok[far_apart].mean()


def _far_apart(track, leg_share: float = 0.2):
    dx = np.abs(track.xy[:, ANKLE["left"], 0] - track.xy[:, ANKLE["right"], 0])
    dk = np.abs(track.xy[:, KNEE["left"], 0] - track.xy[:, KNEE["right"], 0])
    leg = np.nanmedian(np.linalg.norm(track.xy[:, HIP["left"]] - track.xy[:, ANKLE["left"]],
                                      axis=-1))
    return (dx > leg_share * leg) & (dk > leg_share * leg)


def test_labels_without_identity_are_given_it_by_the_near_thigh():
    for direction, forward in (("left", -1.0), ("right", 1.0)):
        truth = _fast_track(seed=21, direction=direction)
        bad, _ = _front_is_left(truth, forward)
        far_apart = _far_apart(truth)
        assert _share_right(bad, truth, far_apart) < 0.6  # half the frames are wrong
        labeller = CrossingOrderLabeller()
        fixed, n, _ = labeller.apply(bad)
        assert labeller.identity is not None and labeller.identity.sign != 0
        assert n > 50
        assert _share_right(fixed, truth, far_apart) > 0.95


def test_without_a_size_difference_the_labels_are_left_as_given():
    truth = _fast_track(seed=22, near_scale=1.0)
    bad, _ = _front_is_left(truth, -1.0)
    labeller = CrossingOrderLabeller()
    fixed, n, _ = labeller.apply(bad)
    assert labeller.identity is not None and labeller.identity.sign == 0
    assert "too little" in labeller.identity.note
    far_apart = _far_apart(truth)
    assert np.allclose(fixed.xy[far_apart][:, _LEG["left"]], bad.xy[far_apart][:, _LEG["left"]])


def test_the_near_leg_follows_the_facing_direction():
    """A mirrored video shows the other side: the facing given decides the answer."""
    truth = _fast_track(seed=23, direction="left")
    bad, _ = _front_is_left(truth, -1.0)
    far_apart = _far_apart(truth)
    mirrored, _, _ = CrossingOrderLabeller().apply(bad, facing="right")
    assert _share_right(mirrored, truth, far_apart) < 0.05  # every leg the other one
    labeller = CrossingOrderLabeller()
    unknown = bad.copy()
    unknown.view = None
    same, _, _ = labeller.apply(unknown)
    assert labeller.identity is not None and labeller.identity.sign == 0
    assert "facing" in labeller.identity.note


def test_feet_without_identity_follow_settled_knees_by_the_shank():
    truth = _fast_track(seed=24, near_scale=1.0)  # no size cue: the shank alone decides
    bad = truth.copy()
    ahead = truth.xy[:, ANKLE["right"], 0] < truth.xy[:, ANKLE["left"], 0]  # facing left
    sub = bad.xy[ahead]
    left, right = sub[:, _FOOT["left"]].copy(), sub[:, _FOOT["right"]].copy()
    sub[:, _FOOT["left"]], sub[:, _FOOT["right"]] = right, left
    bad.xy[ahead] = sub
    fixed, n, _ = CrossingOrderLabeller().apply(bad)
    assert n > 50
    assert _share_right(fixed, truth, _far_apart(truth)) > 0.95


def test_correct_labels_agree_with_the_cue():
    truth = _fast_track(seed=25)
    labeller = CrossingOrderLabeller()
    fixed, n, _ = labeller.apply(truth)
    assert n == 0 and fixed is truth and labeller.identity is None
    evidence, agrees = labeller.identity_check(truth, "left")
    assert evidence.sign != 0 and agrees == 1
    _, against = labeller.identity_check(truth, "right")
    assert against == -1


def test_near_leg_by_size_decides_and_abstains():
    rng = np.random.default_rng(3)
    t = 240
    hip = np.zeros((t, 2))
    angle = rng.uniform(0, np.pi, t)
    unit = np.stack([np.cos(angle), np.sin(angle)], axis=1)
    steps = [(k, k + 20) for k in range(0, t - 20, 20)]
    keep = np.ones(t, bool)
    cue = NearLegBySize()
    for scale, expected in ((1.04, 1), (1 / 1.04, -1), (1.0, 0), (1.004, 0)):
        a = 100 * scale * unit * (1 + rng.normal(0, 0.01, (t, 1)))
        b = 100 * unit * (1 + rng.normal(0, 0.01, (t, 1)))
        assert cue.decide(hip, a, b, steps, keep).sign == expected, scale
    few = cue.decide(hip, 104 * unit, 100 * unit, steps[:4], keep)
    assert few.sign == 0 and few.n_strides == 2


def test_finish_labels_names_the_legs_by_the_facing_direction():
    from gaitvision.pose.tracking import finish_labels

    truth = _fast_track(seed=26, direction="right")
    bad, _ = _front_is_left(truth, 1.0)
    final = finish_labels(bad, view="side")
    assert final.view.direction == "right"
    assert final.cleaning.legs_relabelled > 50
    assert _share_right(final, truth, _far_apart(truth)) > 0.9
    # the result says where the names came from (kinematics turns it into a quality note)
    assert 2.0 < final.cleaning.leg_identity_from_size_pct < 8.0
    assert not final.cleaning.leg_identity_unknown


def test_finish_labels_says_when_nothing_named_the_legs():
    from gaitvision.kinematics.gait import _leg_identity_notes
    from gaitvision.pose.tracking import finish_labels

    truth = _fast_track(seed=27, direction="right", near_scale=1.0)
    bad, _ = _front_is_left(truth, 1.0)
    final = finish_labels(bad, view="side")
    assert final.cleaning.leg_identity_unknown
    assert final.cleaning.leg_identity_from_size_pct is None
    notes = _leg_identity_notes(final.cleaning, final)
    assert len(notes) == 1 and "may be exchanged" in notes[0]


def test_leg_identity_survives_a_save_and_reload(tmp_path):
    from gaitvision.pose.track import PoseTrack
    from gaitvision.pose.tracking import finish_labels

    truth = _fast_track(seed=26, direction="right")
    final = finish_labels(_front_is_left(truth, 1.0)[0], view="side")
    final.save(tmp_path / "t.npz")
    again = PoseTrack.load(tmp_path / "t.npz")
    assert again.cleaning.leg_identity_from_size_pct == final.cleaning.leg_identity_from_size_pct
