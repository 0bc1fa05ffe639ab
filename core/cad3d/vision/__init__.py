"""Image encoders for drawings (timm ViT + conv stem); torch and timm are imported here."""
