"""Build all-MiniLM-L6-v2 as an ONNX graph from its safetensors weights (no torch), int8-quantised.

Done once (``python -m earful.nlp.embed build``, or on first use) into the embedding cache folder;
onnxruntime then runs it several times faster than the NumPy forward pass on a laptop CPU.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np


def build_onnx(folder: Path, out: Path, *, quantize: bool = True) -> Path:
    """Write ``out`` (.onnx): inputs input_ids int64 (b, t), attention_mask float (b, t) → hidden (b, t, d)."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    from earful.nlp.embed import read_safetensors

    cfg = json.loads((folder / "config.json").read_text())
    d, h, n_layers = int(cfg["hidden_size"]), int(cfg["num_attention_heads"]), int(cfg["num_hidden_layers"])
    eps = float(cfg.get("layer_norm_eps", 1e-12))
    dh = d // h
    w = read_safetensors(folder / "model.safetensors")
    pre = "bert." if "bert.embeddings.word_embeddings.weight" in w else ""
    inits, nodes = [], []

    def const(name: str, arr: np.ndarray) -> str:
        inits.append(numpy_helper.from_array(np.ascontiguousarray(arr), name))
        return name

    def g(k: str) -> np.ndarray:
        return np.asarray(w[pre + k], dtype=np.float32)

    def node(op: str, ins: list[str], out: str, **attrs) -> str:
        nodes.append(helper.make_node(op, ins, [out], **attrs))
        return out

    word = const("word", g("embeddings.word_embeddings.weight"))
    pos = const("pos", g("embeddings.position_embeddings.weight"))
    type0 = const("type0", g("embeddings.token_type_embeddings.weight")[0])
    const("arange", np.arange(g("embeddings.position_embeddings.weight").shape[0], dtype=np.int64))
    const("zero1", np.array([0], dtype=np.int64))
    const("one1", np.array([1], dtype=np.int64))
    const("one", np.array(1.0, dtype=np.float32))
    const("neg", np.array(-1e4, dtype=np.float32))
    const("scale", np.array(1.0 / np.sqrt(dh), dtype=np.float32))
    const("heads_shape", np.array([0, 0, h, dh], dtype=np.int64))
    const("hidden_shape", np.array([0, 0, d], dtype=np.int64))
    const("axes12", np.array([1, 2], dtype=np.int64))
    const("half", np.array(0.5, dtype=np.float32))
    const("rsqrt2", np.array(0.7071067811865476, dtype=np.float32))

    node("Shape", ["input_ids"], "ids_shape")
    node("Slice", ["ids_shape", "one1", "one1" + "_end"], "t1")
    const("one1_end", np.array([2], dtype=np.int64))
    node("Slice", ["arange", "zero1", "t1"], "pos_ids")
    node("Gather", [word, "input_ids"], "we")
    node("Gather", [pos, "pos_ids"], "pe")
    node("Add", ["we", "pe"], "e1")
    node("Add", ["e1", type0], "e2")
    x = node("LayerNormalization", ["e2", const("eln_g", g("embeddings.LayerNorm.weight")),
                                    const("eln_b", g("embeddings.LayerNorm.bias"))], "x0", axis=-1, epsilon=eps)
    node("Sub", ["one", "attention_mask"], "inv")
    node("Mul", ["inv", "neg"], "bias2")
    node("Unsqueeze", ["bias2", "axes12"], "bias")

    def dense(inp: str, wname: str, bname: str, tag: str) -> str:
        node("MatMul", [inp, const(tag + "_w", g(wname).T)], tag + "_mm")
        return node("Add", [tag + "_mm", const(tag + "_b", g(bname))], tag)

    for i in range(n_layers):
        p = f"encoder.layer.{i}."
        L = f"l{i}_"
        heads = {}
        for n in ("query", "key", "value"):
            y = dense(x, p + f"attention.self.{n}.weight", p + f"attention.self.{n}.bias", L + n)
            node("Reshape", [y, "heads_shape"], L + n + "_r")
            perm = [0, 2, 3, 1] if n == "key" else [0, 2, 1, 3]
            heads[n] = node("Transpose", [L + n + "_r"], L + n + "_t", perm=perm)
        node("MatMul", [heads["query"], heads["key"]], L + "s0")
        node("Mul", [L + "s0", "scale"], L + "s1")
        node("Add", [L + "s1", "bias"], L + "s2")
        node("Softmax", [L + "s2"], L + "p", axis=-1)
        node("MatMul", [L + "p", heads["value"]], L + "c0")
        node("Transpose", [L + "c0"], L + "c1", perm=[0, 2, 1, 3])
        node("Reshape", [L + "c1", "hidden_shape"], L + "ctx")
        o = dense(L + "ctx", p + "attention.output.dense.weight", p + "attention.output.dense.bias", L + "o")
        node("Add", [o, x], L + "res1")
        x1 = node("LayerNormalization", [L + "res1", const(L + "ln1_g", g(p + "attention.output.LayerNorm.weight")),
                                         const(L + "ln1_b", g(p + "attention.output.LayerNorm.bias"))],
                  L + "x1", axis=-1, epsilon=eps)
        it = dense(x1, p + "intermediate.dense.weight", p + "intermediate.dense.bias", L + "i")
        node("Mul", [it, "rsqrt2"], L + "g0")
        node("Erf", [L + "g0"], L + "g1")
        node("Add", [L + "g1", "one"], L + "g2")
        node("Mul", [it, L + "g2"], L + "g3")
        node("Mul", [L + "g3", "half"], L + "gelu")
        ou = dense(L + "gelu", p + "output.dense.weight", p + "output.dense.bias", L + "out")
        node("Add", [ou, x1], L + "res2")
        x = node("LayerNormalization", [L + "res2", const(L + "ln2_g", g(p + "output.LayerNorm.weight")),
                                        const(L + "ln2_b", g(p + "output.LayerNorm.bias"))],
                 L + "x2", axis=-1, epsilon=eps)
    nodes.append(helper.make_node("Identity", [x], ["hidden"]))
    graph = helper.make_graph(
        nodes, "minilm",
        [helper.make_tensor_value_info("input_ids", TensorProto.INT64, ["b", "t"]),
         helper.make_tensor_value_info("attention_mask", TensorProto.FLOAT, ["b", "t"])],
        [helper.make_tensor_value_info("hidden", TensorProto.FLOAT, ["b", "t", d])], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    out.parent.mkdir(parents=True, exist_ok=True)
    tag = f".{os.getpid()}"  # two processes building at once never share a temporary file
    fp32 = out.with_suffix(tag + ".fp32.onnx")
    onnx.save(model, str(fp32))
    if not quantize:
        fp32.replace(out)
        return out
    from onnxruntime.quantization import QuantType, quantize_dynamic

    tmp = out.with_suffix(tag + ".tmp.onnx")
    quantize_dynamic(str(fp32), str(tmp), weight_type=QuantType.QInt8)
    tmp.replace(out)
    fp32.unlink()
    return out
