"""Networks: one subpackage per tracker (``aiatrack``, ``siamattn``) and the operators they share (``ops``)."""
