"""tensord optimize: graph passes (ONNX Runtime offline optimization, int8 dynamic and
static quantization, fp16 weights, structured pruning), measured on the user's samples
through tensord's own C++ (tensord-optimize-helper, tensord-bench --backend inprocess), and
written back as new model versions. README: tools/optimize/README.md."""
