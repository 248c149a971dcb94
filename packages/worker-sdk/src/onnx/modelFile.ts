/** File name of an ONNX model inside a model folder: what `TfjsEstimator.save` writes and `OnnxEstimator.load` reads. */
export const ONNX_MODEL_FILE = 'model.onnx';
