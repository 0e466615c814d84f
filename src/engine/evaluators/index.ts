// Registers every TS evaluator. Each evaluator file calls registerEvaluator at import time.
export {};
