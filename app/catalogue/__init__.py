"""The goods catalogue (商品库): products classified once, declarations filled from it."""
