// Cross-build smoke test: open an .onnx model with ONNX Runtime's C++ API, print its custom metadata
// keys, run it once (inputs with dynamic dims set to 1; zeros, or a fixed ramp with "ramp" as 2nd
// argument for float inputs) and print the first values of each output; with OUT, also write all
// float outputs there as raw float32 (for comparing runs bit by bit).
//   posynda_cross_smoke MODEL.onnx [zeros|ramp] [OUT]
#include <onnxruntime_cxx_api.h>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

int main(int argc, char** argv) {
  if (argc < 2) { std::fprintf(stderr, "usage: %s MODEL.onnx [zeros|ramp] [OUT]\n", argv[0]); return 2; }
  const bool ramp = argc > 2 && std::strcmp(argv[2], "ramp") == 0;
  std::FILE* out = argc > 3 ? std::fopen(argv[3], "wb") : nullptr;
  try {
    Ort::Env env(ORT_LOGGING_LEVEL_WARNING, "posynda_cross_smoke");
    Ort::SessionOptions so;
    so.SetIntraOpNumThreads(1);
    Ort::Session session(env, argv[1], so);
    Ort::AllocatorWithDefaultOptions alloc;
    std::printf("ORT %s\n", Ort::GetVersionString().c_str());
    for (auto& key : session.GetModelMetadata().GetCustomMetadataMapKeysAllocated(alloc))
      std::printf("metadata %s\n", key.get());

    std::vector<Ort::AllocatedStringPtr> names;  // keep the names alive for Run
    std::vector<const char*> in_names, out_names;
    std::vector<Ort::Value> inputs;
    std::vector<std::vector<char>> buffers;
    auto mem = Ort::MemoryInfo::CreateCpu(OrtArenaAllocator, OrtMemTypeDefault);
    for (size_t i = 0; i < session.GetInputCount(); ++i) {
      names.push_back(session.GetInputNameAllocated(i, alloc));
      in_names.push_back(names.back().get());
      Ort::TypeInfo type_info = session.GetInputTypeInfo(i);  // must outlive its shape info view
      auto info = type_info.GetTensorTypeAndShapeInfo();
      auto shape = info.GetShape();
      size_t n = 1;
      for (auto& d : shape) { if (d < 0) d = 1; n *= static_cast<size_t>(d); }
      const ONNXTensorElementDataType type = info.GetElementType();
      const size_t elem = type == ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT ? 4 : type == ONNX_TENSOR_ELEMENT_DATA_TYPE_INT32 ? 4
                        : type == ONNX_TENSOR_ELEMENT_DATA_TYPE_BOOL ? 1 : 8;  // int64, double
      buffers.emplace_back(n * elem, 0);
      if (ramp && type == ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT) {
        auto* f = reinterpret_cast<float*>(buffers.back().data());
        for (size_t k = 0; k < n; ++k) f[k] = 0.5f * std::sin(0.37f * static_cast<float>(k) + static_cast<float>(i));
      }
      inputs.push_back(Ort::Value::CreateTensor(mem, buffers.back().data(), buffers.back().size(), shape.data(), shape.size(), type));
      std::printf("input %s elements %zu type %d\n", in_names.back(), n, static_cast<int>(type));
    }
    for (size_t i = 0; i < session.GetOutputCount(); ++i) {
      names.push_back(session.GetOutputNameAllocated(i, alloc));
      out_names.push_back(names.back().get());
    }
    auto outputs = session.Run(Ort::RunOptions{nullptr}, in_names.data(), inputs.data(), inputs.size(), out_names.data(), out_names.size());
    for (size_t i = 0; i < outputs.size(); ++i) {
      auto info = outputs[i].GetTensorTypeAndShapeInfo();
      if (info.GetElementType() != ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT) { std::printf("output %s (not float)\n", out_names[i]); continue; }
      const float* v = outputs[i].GetTensorData<float>();
      const size_t n = info.GetElementCount();
      double sum = 0;
      for (size_t k = 0; k < n; ++k) sum += std::fabs(v[k]);
      std::printf("output %s elements %zu sum|x| %.9g first", out_names[i], n, sum);
      for (size_t k = 0; k < n && k < 12; ++k) std::printf(" %.9g", v[k]);
      std::printf("\n");
      if (out) std::fwrite(v, sizeof(float), n, out);
    }
    if (out) std::fclose(out);
  } catch (const Ort::Exception& e) {
    std::fprintf(stderr, "ONNX Runtime error: %s\n", e.what());
    return 1;
  }
  return 0;
}
