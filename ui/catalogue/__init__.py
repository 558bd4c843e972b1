"""The goods catalogue (商品库) windows: the unclassified goods queue and the catalogue."""
