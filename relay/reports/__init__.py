"""Did the information reach the municipalities? Figures for ministries and governors."""
